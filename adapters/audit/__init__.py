"""History you can trust: the order audit trail, the tamper-evident hash chain of each event
log, and the analyst feed and exports, all read from the applications' stored events."""

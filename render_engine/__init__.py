"""The render engine: bodies, garments, scenes and pictures (torch + PyTorch3D)."""

import os

# OpenMP threads that wait for work sleep instead of spinning. torch runs its CPU ops on
# OpenMP threads; with the default policy a thread that finishes early spins, and on a
# machine whose cores are shared (a render worker beside the API, the database and other
# workers) the spinning thread takes the core from the thread it waits for: at load average
# ~4 on 2 cores a 1080p render on two torch threads took 3.5-9 s wall and 3.5-6.7 s CPU,
# passive 2.4-2.7 s wall and 2.3-2.7 s CPU (one thread: 2.2-2.6 s). libgomp reads the
# setting once, when torch loads, so it is made here, before any module of the engine
# imports torch; a value already in the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

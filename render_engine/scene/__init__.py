"""The picture around the figure: cameras, lights, shading and compositing."""

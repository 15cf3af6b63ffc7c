"""Build steps of the open-weights-lag data package."""

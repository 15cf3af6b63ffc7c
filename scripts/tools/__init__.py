"""Tools over the built package (benchmark, load test, coverage report); nothing in the pipeline imports them."""

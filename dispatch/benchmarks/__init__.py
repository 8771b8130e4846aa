"""Benchmark instances (Solomon VRPTW, Pillac TRSP) turned into solver problems, and their runners."""

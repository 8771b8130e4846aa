"""solver: pure optimisation, a frozen problem in and a plan out.

Layer: the bottom one. It imports only the standard library, numpy and OR-Tools; never
`dispatch`, `web`, Flask, the database or geopy.
"""

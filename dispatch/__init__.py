"""dispatch: domain model, storage and services of the field-technician dispatch system.

Layer: the middle one. It may import `solver`, never `web` or Flask.
"""

__version__ = "0.1.0"

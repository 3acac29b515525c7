"""ofacare: treatment companion and clinical decision support for ofatumumab (Kesimpta).

ofacare supports the MS care team; it never replaces it.
"""

__version__ = "0.1.0"

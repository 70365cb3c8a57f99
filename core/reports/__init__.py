"""Leaders' dashboards and the official reports on dossier processing (004 Art. 4.3b,
10.6, 13.4): one set of category definitions (:mod:`.categories`) behind every figure, so
a figure and the list of dossiers behind it cannot disagree."""

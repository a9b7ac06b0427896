"""Review tool: check and correct extractions; the answers become the gold ``eval`` scores.

``extractor.review.api.Review`` is the Python API; ``app`` the web layer over it;
``labelstudio`` the interchange; ``agreement``, ``curate``, ``accuracy`` and
``history`` the two-reviewer and scoring parts.
"""

"""Licence verdicts through lineage and training data.

``verdict(subject, uses)`` answers, per intended use, whether a repo may be used, why, and
what must be done; inputs are the plain dataclasses of ``inputs``, built by the hub through
the ``SubjectSource`` protocol of ``graph``.
"""

from .catalog import load_catalog
from .inputs import Card, ExternalNode, HiddenNode, ParentEdge, Relation, RepoFile, RepoSubject
from .results import Status, Verdict
from .verdict import UnknownUse, verdict

__all__ = ["Card", "ExternalNode", "HiddenNode", "ParentEdge", "Relation", "RepoFile", "RepoSubject", "Status",
           "UnknownUse", "Verdict", "load_catalog", "verdict"]

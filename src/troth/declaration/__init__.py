"""The declaration: a site's privacy promises as one typed, immutable object.

from troth.declaration import load
declaration = load("troth.yaml")   # raises DeclarationError with file:line:col
"""

from troth.declaration._datasets import Collection, Dataset, DatasetField
from troth.declaration._declaration import Declaration
from troth.declaration._jurisdictions import JURISDICTIONS, RIGHTS, Jurisdiction
from troth.declaration._loader import LoadedDeclaration, load, load_text, read, read_text
from troth.declaration._sections import (
    LAWFUL_BASES,
    POLICY_OUTLINE,
    Cookie,
    Organization,
    Purpose,
    Recipient,
    RetentionRule,
    Script,
)
from troth.declaration._taxonomy import BUILTIN_CATEGORIES, Category
from troth.declaration._types import Duration, parse_duration

__all__ = [
    "BUILTIN_CATEGORIES",
    "JURISDICTIONS",
    "LAWFUL_BASES",
    "POLICY_OUTLINE",
    "RIGHTS",
    "Category",
    "Collection",
    "Cookie",
    "Dataset",
    "DatasetField",
    "Declaration",
    "Duration",
    "Jurisdiction",
    "LoadedDeclaration",
    "Organization",
    "Purpose",
    "Recipient",
    "RetentionRule",
    "Script",
    "load",
    "load_text",
    "parse_duration",
    "read",
    "read_text",
]

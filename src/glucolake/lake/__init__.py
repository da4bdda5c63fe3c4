"""The lake: storage (folder or S3) and its zones."""

from glucolake.lake.storage import Lake, LakeError

__all__ = ["Lake", "LakeError"]

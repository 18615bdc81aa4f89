"""lutea's knowledge base: versioned data files with a schema, loaded and cross-checked once."""

from lutea.knowledge.loader import KnowledgeBase, load_knowledge

__all__ = ["KnowledgeBase", "load_knowledge"]

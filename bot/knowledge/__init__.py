"""The knowledge base: loading, embedding, incremental indexing in Chroma and hybrid retrieval."""

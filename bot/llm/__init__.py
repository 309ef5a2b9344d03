"""The language-model path: OpenAI-compatible endpoints through langchain-openai."""

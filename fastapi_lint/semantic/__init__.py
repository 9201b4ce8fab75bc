"""The semantic model: names, scopes, FastAPI apps and routes, Pydantic models."""

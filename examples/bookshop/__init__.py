"""A small bookshop API with the FastAPI pitfalls fastapi-lint catches (run: fastapi-lint examples/)."""

from pydantic import BaseModel, Field


class BookIn(BaseModel):
    title: str
    author: str
    tags: list[str] = []
    extra: dict[str, str] = Field(default={})


class Book(BookIn):
    id: int


class Review(BaseModel):
    rating: int = Field(ge=1, le=5)
    comment: str | None = None

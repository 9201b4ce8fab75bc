from fastapi import BackgroundTasks, FastAPI

from .database import count_books
from .notifications import notify_new_book
from .routers import authors, books, covers
from .schemas import Review

app = FastAPI(title="Bookshop")


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.get("/stats")
async def stats():
    return {"books": count_books()}


@app.post("/reviews")
async def add_review(review: Review, background_tasks: BackgroundTasks):
    background_tasks.add_task(notify_new_book, f"review {review.rating}")
    return review


app.include_router(books.router)
app.include_router(covers.router)
app.include_router(authors.router)

from fastapi import BackgroundTasks, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from .database import count_books
from .notifications import notify_new_book
from .routers import accounts, authors, books, covers, prices
from .schemas import Review

app = FastAPI(title="Bookshop")
# Any site may call the API with the visitor's cookies: Starlette echoes every Origin.
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)


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
app.include_router(prices.router)
app.include_router(accounts.router)

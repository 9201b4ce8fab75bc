import sqlite3

from fastapi import APIRouter, Depends, HTTPException

from ..database import get_db
from ..schemas import Book, BookIn

router = APIRouter(prefix="/books", tags=["books"])


@router.get("/{book_id}", response_model=Book)
async def read_book(book_id: int, db: sqlite3.Connection = Depends(get_db)):
    row = db.execute("SELECT * FROM books WHERE id = ?", (book_id,)).fetchone()
    if row is None:
        raise HTTPException(status_code=404, detail="Book not found")
    return dict(row)


@router.get("/featured", response_model=list[Book])
def featured_books(db: sqlite3.Connection = Depends(get_db)) -> list[Book]:
    rows = db.execute("SELECT * FROM books WHERE featured = 1").fetchall()
    return [dict(row) for row in rows]


@router.post("/", response_model=Book)
def create_book(book: BookIn, db: sqlite3.Connection = Depends(get_db)):
    cursor = db.execute("INSERT INTO books (title, author, featured) VALUES (?, ?, 0)", (book.title, book.author))
    db.commit()
    return {**book.model_dump(), "id": cursor.lastrowid}


@router.post("/search")
def search_books(query: str, db: sqlite3.Connection = Depends(get_db)):
    rows = db.execute("SELECT * FROM books WHERE title LIKE ?", (f"%{query}%",)).fetchall()
    return [dict(row) for row in rows]


@router.get("/featured/count")
def featured_count():
    # `featured_books()` gets the `Depends(get_db)` object as `db`, not a connection.
    return {"count": len(featured_books())}

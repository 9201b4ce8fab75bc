import sqlite3
from pathlib import Path

DB_PATH = Path(__file__).with_name("bookshop.sqlite3")


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(DB_PATH, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(
        "CREATE TABLE IF NOT EXISTS books (id INTEGER PRIMARY KEY, title TEXT, author TEXT, featured INTEGER)"
    )
    return conn


def get_db():
    conn = connect()
    try:
        yield conn
    finally:
        conn.close()


def count_books() -> int:
    conn = connect()
    try:
        return conn.execute("SELECT COUNT(*) FROM books").fetchone()[0]
    finally:
        conn.close()

import os.path
import subprocess
import time
from pathlib import Path

import requests
from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter(prefix="/covers")
COVERS = Path(__file__).parent / "covers"


@router.get("/")
async def list_covers():
    return sorted(path.stem for path in COVERS.glob("*.jpg"))


@router.get("/{isbn}")
async def cover(isbn: str):
    path = COVERS / f"{isbn}.jpg"
    if not path.exists():
        upstream = requests.get(f"https://covers.example.org/b/isbn/{isbn}-L.jpg", timeout=10)
        path.write_bytes(upstream.content)
    with open(path, "rb") as image:
        return Response(image.read(), media_type="image/jpeg")


@router.get("/{isbn}/available")
async def cover_available(isbn: str):
    # A stat: microseconds here, but covers may live on a network share (FPI106).
    return {"available": os.path.isfile(os.path.join(COVERS, f"{isbn}.jpg"))}


@router.post("/{isbn}/thumbnail/background")
async def make_thumbnail_in_background(isbn: str):
    # Started, not waited for: cheap, but nothing here can await it (FPI107).
    process = subprocess.Popen(["convert", f"{isbn}.jpg", "-resize", "200x", f"{isbn}-thumb.jpg"])
    return {"pid": process.pid}


@router.post("/{isbn}/thumbnail")
async def make_thumbnail(isbn: str):
    subprocess.run(["convert", f"{isbn}.jpg", "-resize", "200x", f"{isbn}-thumb.jpg"], check=True)
    time.sleep(0.5)  # let the CDN notice the new file
    return {"thumbnail": f"/covers/{isbn}-thumb.jpg"}

"""Sending a stored file (models/storage.py) to the browser, from the local folder or the
object store alike: the views decide who may have it, this only sends it."""
import hashlib

from flask import abort, request, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from models import storage

SANDBOX = "default-src 'none'; sandbox"


def send_stored(name, mimetype, download_name=None, as_attachment=False, ranges=False):
    """The stored file as the answer, streamed; 404 when it is gone. With `ranges`, a
    video can be played from anywhere (Range requests) and a file the browser has is
    not sent again (ETag: the name never names another content)."""
    try:
        fh = storage.current().open(name)
    except FileNotFoundError:
        abort(404)
    response = send_file(fh, mimetype=mimetype, download_name=download_name,
                         as_attachment=as_attachment, max_age=0, conditional=False,
                         etag=False)
    response.content_length = fh.size
    if ranges:
        response.set_etag(hashlib.sha256(name.encode()).hexdigest()[:32])
        try:
            response = response.make_conditional(request, accept_ranges=True,
                                                 complete_length=fh.size)
        except RequestedRangeNotSatisfiable:
            response.close()
            raise
    return response

"""moto's server, one request at a time: `python scripts/moto_server.py <host> <port>`.

`moto_server` serves requests on threads, and moto undoes a TransactWriteItems whose condition
fails by putting back a copy of the whole table taken when the transaction began, which erases
whatever other requests wrote in between. Two ticks racing for one claim (the very thing the
tests check) then lose a committed write. Real DynamoDB makes each call atomic; so does moto
when it handles one request at a time.
"""

import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler
from werkzeug.serving import run_simple

host, port = sys.argv[1], int(sys.argv[2])
run_simple(
    host,
    port,
    DomainDispatcherApplication(create_backend_app),
    threaded=False,
    request_handler=MotoRequestHandler,
)

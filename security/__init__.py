"""Server-side security rules shared by the states, the routes and the bridge.

* :mod:`security.tokens`: tokens and tab keys derived with a server secret, so
  no browser can name a room's shared state or forge a tab's key.
* :mod:`security.reflex_guard`: refuses websocket connections whose client
  token is not one Reflex's frontend issues.
* :mod:`security.rate_limits`: named rate limits (Calls proxy per tab and per
  room, chat, HTTP routes) counted in memory or in Reflex's Redis, so all
  workers share one budget.
* :mod:`security.http_limits`: the ASGI middleware that applies them to every
  ``/_meet/…`` route (429 with ``Retry-After``), and the presence routes' check.
* :mod:`security.calls_throttle`: a tab's Calls requests over its limits are
  answered as they arrive on the socket and never processed.
"""

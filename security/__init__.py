"""Server-side security rules shared by the states, the routes and the bridge.

* :mod:`security.tokens`: tokens and tab keys derived with a server secret, so
  no browser can name a room's shared state or forge a tab's key.
* :mod:`security.reflex_guard`: refuses websocket connections whose client
  token is not one Reflex's frontend issues.
"""

"""Launch helpers shared by tests/ and bench/ (not part of the installed package).

* :mod:`launch.servers`: free ports, process groups, the app
  (``reflex run --env prod``), the local Calls stand-in, Redis, the start-up
  check of the app.
* :mod:`launch.reflex_socket`: a Reflex client speaking Socket.IO frames.
* :mod:`launch.raw_client`: that client with the meeting app's states, events
  and Calls proxy answers (attack tests, load driver).
* :mod:`launch.room_page`: Playwright steps through the room's pages.
"""

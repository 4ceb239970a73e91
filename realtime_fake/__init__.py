"""A local fake of OpenAI's realtime WebRTC endpoint, for tests and demos.

``python -m reflex_meet.realtime_fake --port 0 --token T``
serves, on 127.0.0.1 only, the
same HTTP contract as the real endpoint (``POST /v1/realtime?model=&voice=&
instructions=`` with an SDP offer, ``Content-Type: application/sdp`` and
``Authorization: Bearer T`` → 201 with the SDP answer) and answers with a real
aiortc peer: it listens to the audio it receives and, once it heard speech
(audio energy above a threshold) followed by a pause, speaks a short
synthesised reply (``reply.wav``). ``GET /fake/calls`` tells what each call
heard and said. No model, no transcription, no data channel events.
"""

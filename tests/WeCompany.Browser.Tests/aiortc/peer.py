#!/usr/bin/python3
"""A second, independent WebRTC stack (Debian's aiortc) as one meeting participant.

The C# test carries signaling for it: every line on stdin and stdout is one JSON object.
  in:  {"type": 1, "sdp": "..."}  an offer from the SFU      -> answered on stdout as {"type": 2, ...}
       {"type": 2, "sdp": "..."}  the SFU's answer to our offer
       {"cmd": "publish"}         add the generated video track and offer it (sendonly)
       {"cmd": "quit"}
  out: {"type": 1 | 2, "sdp": "..."}, {"event": "state", "state": "..."},
       {"event": "frames", "count": N, "width": W, "height": H}  about video received from the SFU
aiortc 1.4 cannot roll back an offer, so the test asks it to publish only once the SFU's first offer is answered.
"""
import asyncio
import json
import sys

import numpy
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from av import VideoFrame

WIDTH, HEIGHT = 320, 240


class MovingPattern(VideoStreamTrack):
    """Colour gradients that shift every frame, so the encoder always has something new to send."""

    def __init__(self):
        super().__init__()
        self.frame = 0
        self.x = numpy.arange(WIDTH, dtype=numpy.uint16).reshape(1, -1)
        self.y = numpy.arange(HEIGHT, dtype=numpy.uint16).reshape(-1, 1)

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        n = self.frame
        self.frame += 1
        image = numpy.empty((HEIGHT, WIDTH, 3), dtype=numpy.uint8)
        image[..., 0] = (self.x + n * 4) % 256
        image[..., 1] = (self.y + n * 2) % 256
        image[..., 2] = ((self.x + self.y) // 2 + n * 8) % 256
        frame = VideoFrame.from_ndarray(image, format="bgr24")
        frame.pts = pts
        frame.time_base = time_base
        return frame


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def count_frames(track):
    count = 0
    while True:
        try:
            frame = await track.recv()
        except Exception:  # the track ended (MediaStreamError): the peer connection closed
            return
        count += 1
        if count % 10 == 1:
            emit({"event": "frames", "count": count, "width": frame.width, "height": frame.height})


async def main():
    # facts.md: without an empty server list aiortc asks a public STUN server first.
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    receivers = []

    @pc.on("connectionstatechange")
    def on_state():
        emit({"event": "state", "state": pc.connectionState})

    @pc.on("track")
    def on_track(track):
        if track.kind == "video":
            receivers.append(asyncio.ensure_future(count_frames(track)))

    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        message = json.loads(line)
        if message.get("cmd") == "quit":
            break
        if message.get("cmd") == "publish":
            pc.addTransceiver(MovingPattern(), direction="sendonly")
            await pc.setLocalDescription(await pc.createOffer())
            emit({"type": 1, "sdp": pc.localDescription.sdp})
        elif message.get("type") == 1:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
            emit({"type": 2, "sdp": pc.localDescription.sdp})
        elif message.get("type") == 2:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="answer"))

    for receiver in receivers:
        receiver.cancel()
    await pc.close()


if __name__ == "__main__":
    asyncio.run(main())

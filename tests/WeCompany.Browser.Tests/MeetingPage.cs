namespace WeCompany.Browser.Tests;

/// <summary>
/// The page each browser participant runs: one RTCPeerConnection to the SFU with the fake camera and microphone
/// on sendonly transceivers (as the web client does), perfect negotiation as the polite side, every remote stream
/// in an unmuted autoplaying video element, and a getStats() summary per remote track.
/// </summary>
internal static class MeetingPage
{
    public const string Html = """
        <!doctype html>
        <html><body>
        <script>
        window.outbox = [];
        window.emit = (message) => window.outbox.push(message);
        window.remote = new Map();
        window.errors = [];
        let makingOffer = false;
        let chain = Promise.resolve();
        // Through the real server: REST join, then the signaling socket carries SDP to and from user 0.
        window.joinMeeting = async (token, userId, meetingId, peerId, publish) => {
          const response = await fetch(`/api/v1/meetings/${meetingId}/join`, {
            method: 'POST', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' }, body: '{}' });
          if (!response.ok) throw new Error('join ' + response.status + ' ' + await response.text());
          const join = (await response.json()).data;
          const query = new URLSearchParams({ token: join.session_token, meeting_id: meetingId, user_id: userId, peer_id: peerId });
          const ws = new WebSocket(`${join.websocket_url}?${query}`);
          await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
          let n = 0;
          const send = (type, payload) => ws.send(JSON.stringify({ id: `m${++n}`, type, payload }));
          ws.onmessage = (event) => {
            const message = JSON.parse(event.data);
            if ((message.type === 1 || message.type === 2) && message.from_user_id === 0) {
              chain = chain.then(() => window.handle(message.type, message.payload.sdp)).catch((e) => window.errors.push(String(e)));
            } else if (message.type === 13) {
              window.errors.push(message.payload);
            }
          };
          window.emit = (m) => send(m.type, m.type === 3 ? { candidate: m.candidate, sdpMid: m.sdpMid, sdpMLineIndex: m.sdpMLineIndex }
            : { type: m.type === 1 ? 'offer' : 'answer', sdp: m.sdp });
          send(4, { meeting_id: meetingId, user_id: userId, peer_id: peerId });
          await window.start(publish);
        };
        window.start = async (publish) => {
          const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
          window.pc = pc;
          pc.onicecandidate = ({ candidate }) => {
            if (candidate && candidate.candidate) window.emit({ type: 3, candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex });
          };
          pc.onnegotiationneeded = async () => {
            try {
              makingOffer = true;
              await pc.setLocalDescription();
              window.emit({ type: 1, sdp: pc.localDescription.sdp });
            } finally { makingOffer = false; }
          };
          pc.ontrack = (event) => {
            const stream = event.streams[0];
            if (!window.remote.has(stream.id)) {
              const video = document.createElement('video');
              video.autoplay = true; video.playsInline = true; video.muted = false;
              video.srcObject = stream;
              document.body.appendChild(video);
              window.remote.set(stream.id, video);
            }
          };
          if (publish) {
            const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
            window.local = stream;
            for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
          }
        };
        window.handle = async (type, sdp) => {
          const pc = window.pc;
          if (type === 2 && pc.signalingState !== 'have-local-offer') return;
          await pc.setRemoteDescription({ type: type === 1 ? 'offer' : 'answer', sdp });
          if (type === 1) {
            await pc.setLocalDescription();
            window.emit({ type: 2, sdp: pc.localDescription.sdp });
          }
        };
        window.shareCanvas = async () => {
          // A synthetic "screen": a 320x180 canvas that changes every frame, sent in place of the camera.
          const canvas = document.createElement('canvas');
          canvas.width = 320; canvas.height = 180;
          const g = canvas.getContext('2d');
          let n = 0;
          setInterval(() => { g.fillStyle = `hsl(${(n++ * 7) % 360} 80% 50%)`; g.fillRect(0, 0, 320, 180); }, 33);
          const track = canvas.captureStream(30).getVideoTracks()[0];
          const sender = window.pc.getSenders().find((s) => s.track && s.track.kind === 'video');
          await sender.replaceTrack(track);
        };
        window.availableOutgoingBitrate = async () => {
          // The sender's bandwidth estimate on the selected pair (webrtc-stats §RTCIceCandidatePairStats).
          let bitrate = 0;
          (await window.pc.getStats()).forEach((s) => {
            if (s.type === 'candidate-pair' && s.nominated && s.availableOutgoingBitrate) bitrate = Math.max(bitrate, s.availableOutgoingBitrate);
          });
          return bitrate;
        };
        window.stats = async () => {
          const report = await window.pc.getStats();
          const tracks = [];
          report.forEach((s) => {
            if (s.type === 'inbound-rtp') {
              tracks.push({ kind: s.kind, ssrc: s.ssrc, framesDecoded: s.framesDecoded || 0, frameWidth: s.frameWidth || 0,
                totalAudioEnergy: s.totalAudioEnergy || 0, packetsReceived: s.packetsReceived || 0, trackIdentifier: s.trackIdentifier || '' });
            }
          });
          const streams = [...window.remote.keys()];
          return JSON.stringify({ tracks, streams, state: window.pc.connectionState });
        };
        </script>
        </body></html>
        """;
}

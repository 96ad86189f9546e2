using System.Buffers;
using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Tcp;
using WeCompany.Server.Presence;

namespace WeCompany.Server.Calls;

// Frame handling: runs on each connection's read loop, one frame at a time per connection.
public sealed partial class TcpServer
{
    internal ValueTask HandleFrame(TcpConnection connection, in Frame frame)
    {
        if (connection.UserId == 0)
        {
            if (frame.Type == FrameType.Register)
            {
                return new ValueTask(RegisterAsync(connection, frame.UserId, frame.Data));
            }
            Refuse(connection, ErrorCodes.TcpNotRegistered, "Send REGISTER first.");
            return default;
        }
        switch (frame.Type)
        {
            case FrameType.MediaData:
                Calls.RelayMedia(connection, frame.Data);
                break;
            case FrameType.Heartbeat:
                connection.Send(FrameType.Heartbeat, [], []);
                break;
            case FrameType.Text:
                Deliver(connection, frame, FrameText.IsValidUtf8(frame.Data), "TEXT data must be UTF-8 text.");
                break;
            case FrameType.File:
                Deliver(connection, frame, FilePayload.IsValid(frame.Data), "FILE data must be [u16 nameLen][name][bytes] with a 1–255 byte UTF-8 name.");
                break;
            case FrameType.CallRequest:
            case FrameType.CallAccept:
            case FrameType.CallReject:
            case FrameType.CallEnd:
                Calls.HandleSignal(connection, frame);
                break;
            case FrameType.Register:
                CountProtocolError();
                SendError(connection, ErrorCodes.TcpAlreadyRegistered, "This connection is already registered.");
                break;
            default:
                CountProtocolError();
                SendError(connection, ErrorCodes.TcpUnknownType, "Clients do not send this frame type.");
                break;
        }
        return default;
    }

    internal void HandleBadFrame(TcpConnection connection, FrameError error, bool fatal)
    {
        TcpLog.ProtocolError(_logger, connection.Id, error.ToString());
        var (code, message) = error switch
        {
            FrameError.LengthTooSmall => (ErrorCodes.TcpMalformedFrame, "The length field is smaller than a frame header."),
            FrameError.TooLarge => (ErrorCodes.TcpFrameTooLarge, $"Frames are at most {_options.MaxFrameBytes} bytes."),
            FrameError.UserIdOutOfRange => (ErrorCodes.TcpMalformedFrame, "userIdLen runs past the frame or over 256 bytes."),
            FrameError.UserIdNotUtf8 => (ErrorCodes.TcpMalformedFrame, "The userId is not UTF-8."),
            _ => (ErrorCodes.TcpUnknownType, "Unknown frame type."),
        };
        if (fatal || connection.UserId == 0)
        {
            Refuse(connection, code, message);
        }
        else
        {
            CountProtocolError();
            SendError(connection, code, message);
        }
    }

    private void Deliver(TcpConnection connection, in Frame frame, bool valid, string invalidMessage)
    {
        if (!valid)
        {
            CountProtocolError();
            SendError(connection, ErrorCodes.TcpMalformedFrame, invalidMessage);
            return;
        }
        if (!FrameText.TryParseUserId(frame.UserId, out var to)
            || (!_online.TryGetValue(to, out var target)
                && Remote?.TrySend(to, frame.Type, connection.UserId, [], frame.Data, replyTo: connection.UserId, droppable: false) != true))
        {
            SendError(connection, ErrorCodes.TcpUserOffline, "The user is not online.");
            return;
        }
        target?.Send(frame.Type, connection.UserIdUtf8, [], frame.Data);
    }

    private async Task RegisterAsync(TcpConnection connection, ReadOnlySequence<byte> userIdBytes, ReadOnlySequence<byte> tokenBytes)
    {
        if (!FrameText.TryParseUserId(userIdBytes, out var userId) || tokenBytes.Length is 0 or > 8192 || !FrameText.IsValidUtf8(tokenBytes))
        {
            TcpLog.RegisterRefused(_logger, connection.Id, ErrorCodes.TokenInvalid);
            Refuse(connection, ErrorCodes.TokenInvalid, "REGISTER needs userId = your user id and data = an access token.");
            return;
        }
        var token = FrameText.Decode(tokenBytes);
        var check = await _tokens.ValidateAccessTokenAsync(token);
        if (connection.IsClosed)
        {
            return;
        }
        if (!check.IsValid || check.User!.UserId != userId)
        {
            var code = check.IsValid ? ErrorCodes.TokenInvalid : check.ErrorCode;
            TcpLog.RegisterRefused(_logger, connection.Id, code);
            Refuse(connection, code, check.IsValid ? "The token belongs to another user." : check.Detail ?? "The token is not valid.");
            return;
        }

        TcpConnection? replaced;
        lock (_registerLock)
        {
            _online.TryGetValue(userId, out replaced);
            connection.UserIdUtf8 = FrameText.UserIdBytes(userId);
            connection.UserId = userId;
            _online[userId] = connection;
        }
        connection.Presence = _presence.Register(userId, PresenceChannel.Tcp, connection.Id);
        if (replaced is not null)
        {
            TcpLog.Replaced(_logger, userId, replaced.Id);
            // The new connection has the user now: the old one's calls end here, not when it finally closes.
            _calls?.OnUserDisconnected(userId);
            Refuse(replaced, ErrorCodes.TcpReplaced, "You connected again elsewhere; this connection is closed.");
        }
        TcpLog.Registered(_logger, connection.Id, userId);
        connection.Send(FrameType.Register, connection.UserIdUtf8, TcpJson.Serialize(new RegisterResult(userId, check.User.Username)));
    }
}

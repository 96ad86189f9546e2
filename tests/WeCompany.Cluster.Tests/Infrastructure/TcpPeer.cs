using System.Text;
using System.Threading.Channels;
using WeCompany.Client.Tcp;
using WeCompany.Protocol.Tcp;

namespace WeCompany.Cluster.Tests.Infrastructure;

/// <summary>A media frame as the client library handed it over (copied out of its spans).</summary>
public sealed record ReceivedMedia(long From, string CallId, byte[] Media);

/// <summary>
/// A TCP protocol user connected straight to one node's TCP port with the .NET client library. Whatever arrives
/// is queued by kind, so a test waits for the next one of a kind; every wait is bounded.
/// </summary>
public sealed class TcpPeer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Channel<TextMessage> _texts = Channel.CreateUnbounded<TextMessage>();
    private readonly Channel<CallSignal> _calls = Channel.CreateUnbounded<CallSignal>();
    private readonly Channel<ReceivedMedia> _media = Channel.CreateUnbounded<ReceivedMedia>();
    private readonly Channel<TcpErrorBody> _errors = Channel.CreateUnbounded<TcpErrorBody>();

    private TcpPeer(WeCompanyTcpClient client, ClusterUser user, ServerNode node)
    {
        Client = client;
        User = user;
        Node = node;
        client.TextReceived += m => _texts.Writer.TryWrite(m);
        client.CallSignalReceived += s => _calls.Writer.TryWrite(s);
        client.ErrorReceived += e => _errors.Writer.TryWrite(e);
        client.MediaReceived += (from, callId, media) => _media.Writer.TryWrite(new ReceivedMedia(from, Encoding.ASCII.GetString(callId), media.ToArray()));
    }

    public WeCompanyTcpClient Client { get; }

    public ClusterUser User { get; }

    public ServerNode Node { get; }

    /// <summary>Connects to <paramref name="node"/>'s own TCP port and registers with the user's access token.</summary>
    public static async Task<TcpPeer> ConnectAsync(ServerNode node, ClusterUser user)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        var client = await WeCompanyTcpClient.ConnectAsync("127.0.0.1", node.TcpPort, cancellationToken: deadline.Token);
        try
        {
            var registered = await client.RegisterAsync(user.Id, user.Token, deadline.Token);
            Assert.Equal(user.Id, registered.UserId);
            return new TcpPeer(client, user, node);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    public Task<TextMessage> NextTextAsync(string what) => NextAsync(_texts, what, null);

    /// <summary>The next call signal of <paramref name="type"/>; others before it are passed over.</summary>
    public async Task<CallSignal> NextCallSignalAsync(FrameType type, string what)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        try
        {
            while (true)
            {
                var signal = await _calls.Reader.ReadAsync(deadline.Token);
                if (signal.Type == type)
                {
                    return signal;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Waited {Timeout.TotalSeconds:0} s for {what}.");
        }
    }

    public Task<ReceivedMedia> NextMediaAsync(string what) => NextAsync(_media, what, null);

    /// <summary>
    /// Sends TEXT to <paramref name="to"/> until it arrives there: the first sends may come before the sender's node
    /// has heard (presence on the bus) that the receiver is registered on another node, and are answered with
    /// ERROR 60005 (user offline). Answers the attempts it took.
    /// </summary>
    public async Task<int> SendTextUntilReceivedAsync(TcpPeer to, string text)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        for (var attempt = 1; ; attempt++)
        {
            var sent = $"{text} #{attempt}";
            await Client.SendTextAsync(to.User.Id, sent, deadline.Token);
            using var race = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            var arrived = to._texts.Reader.ReadAsync(race.Token).AsTask();
            var refused = _errors.Reader.ReadAsync(race.Token).AsTask();
            try
            {
                await Task.WhenAny(arrived, refused).WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"TEXT '{sent}' from {User.Id} ({Node.Id}) to {to.User.Id} ({to.Node.Id}) neither arrived nor was refused in {Timeout.TotalSeconds:0} s.");
            }
            // The loser's read is cancelled so that it takes nothing from its queue.
            await race.CancelAsync();
            if (arrived.IsCompletedSuccessfully)
            {
                var message = arrived.Result;
                Assert.Equal(User.Id, message.From);
                Assert.Equal(sent, message.Text);
                return attempt;
            }
            var error = await refused;
            Assert.True(error.Code == 60005, $"TEXT to {to.User.Id} was refused with {error.Code} {error.Message}.");
            await tick.WaitForNextTickAsync(deadline.Token);
        }
    }

    private static async Task<T> NextAsync<T>(Channel<T> channel, string what, TimeSpan? timeout)
    {
        // A cancelled read takes nothing from the queue: a later wait still gets the item.
        using var deadline = new CancellationTokenSource(timeout ?? Timeout);
        try
        {
            return await channel.Reader.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Waited {(timeout ?? Timeout).TotalSeconds:0} s for {what}.");
        }
    }

    public ValueTask DisposeAsync() => Client.DisposeAsync();
}

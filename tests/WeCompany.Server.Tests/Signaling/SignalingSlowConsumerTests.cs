using WeCompany.Server.Diagnostics;

namespace WeCompany.Server.Tests.Signaling;

public sealed class SignalingSlowConsumerTests
{
    [Fact]
    public async Task ASocketThatStopsReadingIsClosedAsASlowConsumerWithoutDelayingTheRoom()
    {
        await using var server = await SignalingMeeting.StartServerAsync(new()
        {
            ["Signaling:SendQueueCapacity"] = "8",
            ["Signaling:MessagesPerSecond"] = "1000000",
            ["Signaling:MessageBurst"] = "1000000",
            ["Signaling:CloseTimeoutSeconds"] = "60",
        });
        var meeting = await SignalingMeeting.CreateAsync(server);
        var fast = await meeting.ParticipantAsync();
        var slow = await meeting.ParticipantAsync();
        var (f, _) = await meeting.JoinAsync(fast);
        await using var _f = f;
        var (s, _) = await meeting.JoinAsync(slow);
        await using var _s = s;
        await f.WaitForAsync(6);
        var metrics = server.Service<MetricsRegistry>();
        var slowConsumers = metrics.Counter("signaling_slow_consumers_total", "");

        // The slow socket reads nothing while 4 KB chats pile up past the kernel's buffers and its queue of 8.
        var content = new string('x', 4000);
        var sent = 0;
        var echoed = 0;
        while (slowConsumers.Value == 0)
        {
            Assert.True(sent < 20_000, "the slow consumer was never detected");
            // Fewer than the queue holds, then read them back: the fast socket itself never falls behind.
            for (var i = 0; i < 4; i++, sent++)
            {
                await f.SendAsync(new { type = 8, payload = new { content } });
            }
            for (; echoed < sent; echoed++)
            {
                await f.WaitForAsync(8);
            }
        }

        // The fast participant got every one of its messages back, in order, while the other socket was stuck.
        Assert.Equal(sent, echoed);
        var (code, reason) = await s.WaitForCloseAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(4004, code);
        Assert.Contains("slow consumer", reason, StringComparison.Ordinal);
    }
}

namespace WeCompany.Cluster.Tests;

/// <summary>coturn beside the cluster accepts the TURN credentials any node signs.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TurnTests(ClusterFixture cluster)
{
    [Fact]
    public async Task TurnCredentialsFromJoinsAnsweredByDifferentNodesAllocateOnCoturn()
    {
        var user = await GatewayClient.RegisterAsync(cluster);
        var id = await user.CreateMeetingAsync();
        var byNode = new Dictionary<string, (string Username, string Credential)>();
        for (var attempt = 0; attempt < 5 * ClusterFixture.NodeCount && byNode.Count < 2; attempt++)
        {
            // Join is idempotent: asking again answers fresh credentials from whichever node nginx picked.
            using var response = await user.Client.PostAsync($"api/v1/meetings/{id}/join", null).WaitAsync(GatewayClient.Timeout);
            var join = await ApiAssert.SuccessAsync(response);
            var turn = join.GetProperty("ice_servers").EnumerateArray().Single(s => s.GetProperty("urls").GetString()!.StartsWith("turn:", StringComparison.Ordinal));
            Assert.Equal($"turn:127.0.0.1:{cluster.Turn.Port}?transport=udp", turn.GetProperty("urls").GetString());
            byNode[GatewayClient.NodeOf(response) ?? "(no X-WeCompany-Node header)"] =
                (turn.GetProperty("username").GetString()!, turn.GetProperty("credential").GetString()!);
        }
        Assert.True(byNode.Count >= 2, $"Every join was answered by {string.Join(", ", byNode.Keys)}.");
        var allocations = await Task.WhenAll(byNode.Select(async pair => (Node: pair.Key, Result: await cluster.Turn.AllocateAsync(pair.Value.Username, pair.Value.Credential))));
        foreach (var (node, (allocated, output)) in allocations)
        {
            Assert.True(allocated, $"coturn refused the credentials signed by {node}:\n{output}");
        }
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using WeCompany.Protocol.Rest;

namespace WeCompany.Server.Meetings;

/// <summary>
/// Builds the ICE server list for a participant: the configured STUN servers plus TURN with time-limited
/// credentials that coturn checks with <c>use-auth-secret</c> (draft-uberti-behave-turn-rest-00 §2.2:
/// username = expiry timestamp ":" user id; password = base64(HMAC-SHA1(secret, username))). Thread-safe.
/// </summary>
public sealed class TurnCredentials(IOptions<MeetingsOptions> meetings, IOptions<TurnOptions> turn, TimeProvider time)
{
    /// <summary>A credential pair for <paramref name="userId"/> valid until <paramref name="expiresAt"/>.</summary>
    public static (string Username, string Credential) Sign(string secret, long userId, DateTimeOffset expiresAt)
    {
        var username = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + ":" + userId.ToString(CultureInfo.InvariantCulture);
        // coturn computes the same HMAC over the username with the shared secret as key. SHA-1 is what
        // use-auth-secret verifies (the TURN REST draft fixes it); the credential is short-lived.
#pragma warning disable CA5350
        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username));
#pragma warning restore CA5350
        return (username, Convert.ToBase64String(mac));
    }

    /// <summary>The ICE servers for <paramref name="userId"/>: STUN entries, then one TURN entry per URL.</summary>
    public IReadOnlyList<IceServer> IceServers(long userId)
    {
        var list = new List<IceServer>();
        foreach (var server in meetings.Value.IceServers)
        {
            foreach (var url in server.Urls)
            {
                list.Add(new IceServer(url, server.Username, server.Credential));
            }
        }
        var options = turn.Value;
        if (options.Urls.Length > 0 && !string.IsNullOrEmpty(options.Secret))
        {
            var (username, credential) = Sign(options.Secret, userId, time.GetUtcNow().AddSeconds(options.CredentialSeconds));
            foreach (var url in options.Urls)
            {
                list.Add(new IceServer(url, username, credential));
            }
        }
        return list;
    }
}

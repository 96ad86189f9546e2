using System.Net;
using Microsoft.Extensions.Options;
using WeCompany.Server.Files;
using WeCompany.Server.Hosting;
using WeCompany.Server.Tests.Infrastructure;
using static WeCompany.Server.Tests.Files.FileUploads;

namespace WeCompany.Server.Tests.Files;

/// <summary>Files:Storage: where the bytes go by default, what is refused at start, and what the sweep keeps.</summary>
public sealed class FileStorageChoiceTests
{
    [Theory]
    [InlineData(StoreKind.Sqlite, null, typeof(LocalFileStorage))]
    [InlineData(StoreKind.Postgres, null, typeof(PostgresFileStorage))]
    [InlineData(StoreKind.Postgres, "local", typeof(LocalFileStorage))]
    public async Task FilesGoToPostgresqlByDefaultOnlyWhenTheDatabaseIsPostgresql(StoreKind store, string? choice, Type expected)
    {
        await using var server = await Stores.StartAsync(store, new Dictionary<string, string?> { ["Files:Storage"] = choice });

        Assert.IsType(expected, server.Service<IFileStorage>());
    }

    [Fact]
    public async Task FilesInPostgresqlOnTheEmbeddedDatabaseRefuseToStart()
    {
        var dataDir = Directory.CreateTempSubdirectory("wecompany-test-").FullName;
        try
        {
            await using var app = ServerHost.Build(new Dictionary<string, string?>
            {
                ["Http:Address"] = "127.0.0.1",
                ["Http:Port"] = "0",
                ["Tcp:Port"] = "0",
                ["Media:Port"] = "0",
                ["Storage:DataDir"] = dataDir,
                ["Files:Storage"] = "postgres",
                ["Logging:LogLevel:Default"] = "None",
            }, null);

            var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync().WaitAsync(TimeSpan.FromSeconds(60)));

            Assert.Contains("Files:Storage is postgres but Storage:Provider is sqlite", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task TheSweepKeepsEveryFileOfAMeeting()
    {
        await using var server = await Stores.StartAsync(StoreKind.Postgres);
        var (_, host) = await server.UserAsync("keeper");
        var meeting = await MeetingAsync(host);
        var content = Pdf(700_000, seed: 5);
        var info = await UploadOkAsync(host, content, "kept.pdf", meeting);

        var swept = await ((PostgresFileStorage)server.Service<IFileStorage>())
            .SweepAsync(DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds(), CancellationToken.None);
        using var download = await host.GetAsync(info.FileUrl).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, swept);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(content, await download.Content.ReadAsByteArrayAsync());
    }
}

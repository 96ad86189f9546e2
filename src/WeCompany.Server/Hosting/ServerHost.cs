using System.IO.Compression;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Options;
using WeCompany.Protocol;
using WeCompany.Server.Accounts;
using WeCompany.Server.Calls;
using WeCompany.Server.Cluster;
using WeCompany.Server.Diagnostics;
using WeCompany.Server.Files;
using WeCompany.Server.Http;
using WeCompany.Server.Meetings;
using WeCompany.Server.Presence;
using WeCompany.Server.Speech;
using WeCompany.Server.Sfu;
using WeCompany.Server.Signaling;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WeCompany.Server.Storage;
using WeCompany.Server.Webhooks;

namespace WeCompany.Server.Hosting;

/// <summary>The composition root: configuration, services, middleware and endpoints of one server process.</summary>
public static class ServerHost
{
    public static WebApplication Build(IReadOnlyDictionary<string, string?> overrides, string? configFile, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddEnvironmentVariables("WECOMPANY_");
        if (configFile is not null)
        {
            builder.Configuration.AddJsonFile(configFile, optional: false, reloadOnChange: false);
        }
        builder.Configuration.AddInMemoryCollection(overrides);
        configure?.Invoke(builder);
        AddServices(builder);

        var app = builder.Build();
        // Fail at start, not at the first request, when the signing key is misconfigured or unwritable.
        app.Services.GetRequiredService<TokenService>();
        UsePipeline(app);
        return app;
    }

    public static void AddServices(WebApplicationBuilder builder)
    {
        var services = builder.Services;
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        services.AddOptions<StorageOptions>().BindConfiguration("Storage").ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AuthOptions>().BindConfiguration("Auth").ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<HttpOptions>().BindConfiguration("Http").ValidateDataAnnotations().ValidateOnStart();
        var http = builder.Configuration.GetSection("Http").Get<HttpOptions>() ?? new HttpOptions();

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = http.MaxBodyBytes;
            kestrel.AddServerHeader = false;
            if (System.Net.IPAddress.TryParse(http.Address, out var address))
            {
                kestrel.Listen(address, http.Port);
            }
            else
            {
                kestrel.ListenAnyIP(http.Port);
            }
        });
        builder.WebHost.UseKestrelHttpsConfiguration();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => Database.FromOptions(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        services.AddSingleton<Migrator>();
        services.AddSingleton<StorageStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<StorageStartup>());
        // Authentication pulls in data protection; keep its keys with ours instead of the user's home folder.
        var dataDir = builder.Configuration["Storage:DataDir"] ?? new StorageOptions().DataDir;
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(Path.GetFullPath(dataDir), "keys")));
        services.AddSingleton<MetricsRegistry>();

        services.ConfigureHttpJsonOptions(o => WireJson.Configure(o.SerializerOptions));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
            o.MimeTypes = ResponseCompressionDefaults.MimeTypes.Concat(["application/json", "image/svg+xml", "text/plain"]);
        });
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.AddCors(o => o.AddDefaultPolicy(policy =>
        {
            policy.WithOrigins(http.AllowedOrigins).WithMethods("GET", "POST", "PUT", "DELETE").WithHeaders("Content-Type", "Authorization");
        }));
        // Forwarded headers: only from Http:TrustedProxies (the gateway); none by default.
        services.AddTrustedProxies();
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "WeCompany API";
            document.Info.Description = "REST API of the WeCompany meeting server. Every answer is the envelope {code, message, data, timestamp}; " +
                "every error {code, message, error: {type, code, details}, timestamp}.";
            return Task.CompletedTask;
        }));

        // Accounts.
        services.AddSingleton<IPasswordHasher<UserRecord>>(sp => new PasswordHasher<UserRecord>(Options.Create(new PasswordHasherOptions
        {
            IterationCount = sp.GetRequiredService<IOptions<AuthOptions>>().Value.PasswordIterations,
        })));
        services.AddSingleton<PasswordHashGate>();
        services.AddSingleton<JwtKeyProvider>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<UserStore>();
        services.AddSingleton<RefreshTokenStore>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<AccountService>();
        services.AddAuthentication(BearerAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, BearerAuthenticationHandler>(BearerAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();

        services.AddSingleton<IMeetingEventBus, LocalMeetingEventBus>();
        // Webhooks (issue 17): the outbox the meetings and files stores write to, and the delivery worker.
        services.AddWebhooks();
        // Meetings.
        services.AddOptions<MeetingsOptions>().BindConfiguration("Meetings").ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TurnOptions>().BindConfiguration("Turn").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TurnCredentials>();
        services.AddSingleton<MeetingListCache>();
        services.AddSingleton<MeetingStore>();
        services.AddSingleton<ParticipantStore>();
        services.AddSingleton<MeetingService>();
        services.AddHostedService<MeetingSweeper>();
        services.AddSingleton<PresenceRegistry>();

        // Files (IMeetingAccess is answered by the meetings feature).
        services.AddSingleton<IMeetingAccess, MeetingFileAccess>();
        services.AddOptions<FilesOptions>().BindConfiguration("Files").ValidateDataAnnotations().ValidateOnStart();
        services.AddFileStorage();
        services.AddSingleton<FileStore>();
        services.AddSingleton<FilesService>();

        // Speech.
        services.AddOptions<SpeechOptions>().BindConfiguration("Speech").ValidateDataAnnotations().ValidateOnStart();
        services.AddSpeechEngines();

        // Calls: the WeCompany TCP protocol server (TcpServer) and its 1:1 calls (VideoCallServer).
        services.AddOptions<TcpOptions>().BindConfiguration("Tcp").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TcpServer>();
        services.AddSingleton<VideoCallServer>();
        // Resolving VideoCallServer first attaches it to TcpServer before the listener starts.
        services.AddHostedService(sp => sp.GetRequiredService<VideoCallServer>().Tcp);

        // SFU (issue 6): the media engine on one UDP port as a hosted service, behind signaling's gateway.
        services.AddOptions<MediaOptions>().BindConfiguration("Media").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ISfuSignalSender, RouterSignalSender>();
        services.AddSingleton<SfuService>();
        services.AddHostedService(sp => sp.GetRequiredService<SfuService>());
        services.AddSingleton<ISfuGateway, SfuGateway>();

        // Signaling. The meetings feature answers IMeetingDirectory; the SFU replaces NoSfuGateway.
        services.AddSingleton<IMeetingDirectory, MeetingDirectory>();
        services.AddOptions<SignalingOptions>().BindConfiguration("Signaling").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ChatStore>();
        services.AddSingleton<SignalingRoomRegistry>();
        services.AddSingleton<ISignalingRouter, LocalSignalingRouter>();
        services.TryAddSingleton<ISfuGateway, NoSfuGateway>();
        services.AddSingleton<SignalingHub>();

        // Cluster (issue 9): node identity always; on PostgreSQL the bus, presence, TCP routing and drain.
        builder.AddCluster();
    }

    public static void UsePipeline(WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseCluster();
        app.UseMiddleware<RequestMetricsMiddleware>();
        app.UseErrorEnvelopes();
        app.UseSecurityHeaders();
        app.UseResponseCompression();
        app.UseCors();
        WebClient.UseStaticClient(app);
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapGet("/healthz", () => Results.Text("ok\n")).ExcludeFromDescription();
        app.MapGet("/readyz", ReadyAsync).ExcludeFromDescription();
        app.MapGet("/metrics", (MetricsRegistry metrics) => Results.Text(metrics.Render(), "text/plain; version=0.0.4")).ExcludeFromDescription();
        app.MapGet("/api/v1/ping", () => Api.Ok(new { pong = true })).WithTags("Health").WithSummary("A trivial answer (the benchmarks' baseline)");
        app.MapOpenApi("/openapi/{documentName}.json");
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "docs";
            o.SwaggerEndpoint("/openapi/v1.json", "WeCompany API v1");
            o.DocumentTitle = "WeCompany API";
        });

        app.MapAccounts();
        app.MapMeetings();
        app.MapFiles();
        app.MapSpeech();
        app.MapTcpAdmin();
        app.MapWebhooks();
        // Signaling.
        app.UseWebSockets();
        app.MapSignaling();
        WebClient.MapFallback(app);
    }

    private static async Task<IResult> ReadyAsync(Database database, StorageStartup startup, DrainState drain, CancellationToken ct)
    {
        if (drain.Draining)
        {
            return Api.Error(ApiError.ForStatus(503) with { Details = "This node is draining." });
        }
        if (!startup.Completed)
        {
            return Api.Error(ApiError.ForStatus(503));
        }
        try
        {
            await using var connection = await database.OpenAsync(ct);
            await connection.ExecuteScalarAsync<int>("SELECT 1");
            return Results.Text("ready\n");
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return Api.Error(ApiError.ForStatus(503) with { Details = "The store is not reachable." });
        }
    }
}

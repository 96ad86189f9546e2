using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Http;
using WeCompany.Server.Meetings;
using WeCompany.Server.Presence;

namespace WeCompany.Server.Cluster;

/// <summary>Wires the cluster into the host: options and the node header always; bus, presence, router and drain on PostgreSQL.</summary>
public static class ClusterRegistration
{
    /// <summary>The response header naming the node that answered (nginx tests and operators read it).</summary>
    public const string NodeHeader = "X-WeCompany-Node";

    /// <summary>The cluster mode is on when the store is PostgreSQL; the embedded SQLite mode keeps in-process buses.</summary>
    public static bool IsClusterMode(IConfiguration configuration) =>
        string.Equals(configuration["Storage:Provider"], "postgres", StringComparison.OrdinalIgnoreCase);

    public static void AddCluster(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ClusterOptions>().BindConfiguration("Cluster").ValidateDataAnnotations().ValidateOnStart();
        // Picked once per host: the options instance is cached for the process's life.
        services.PostConfigure<ClusterOptions>(o => o.NodeId = string.IsNullOrEmpty(o.NodeId) ? ClusterOptions.GenerateNodeId() : o.NodeId);
        services.AddSingleton<DrainState>();
        if (!IsClusterMode(builder.Configuration))
        {
            return;
        }
        var drainSeconds = builder.Configuration.GetSection("Cluster").Get<ClusterOptions>()?.DrainTimeoutSeconds ?? new ClusterOptions().DrainTimeoutSeconds;
        // The drain runs inside the host's stop: give it its timeout plus room for the services' own stops.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(drainSeconds + 15));
        services.AddSingleton<ClusterBus>();
        services.AddSingleton<NodeRegistry>();
        services.AddSingleton<ClusterPresence>();
        services.AddSingleton<ClusterTcpRouter>();
        services.AddSingleton<ClusterRooms>();
        services.AddSingleton<LocalMeetingEventBus>();
        services.Replace(ServiceDescriptor.Singleton<IMeetingEventBus, ClusterMeetingEventBus>());
        services.AddHostedService<ClusterService>();
    }

    /// <summary>The node header on every response, and refusal of new signaling sockets while draining.</summary>
    public static void UseCluster(this WebApplication app)
    {
        var nodeId = app.Services.GetRequiredService<IOptions<ClusterOptions>>().Value.NodeId;
        app.Services.GetRequiredService<PresenceRegistry>().NodeId = nodeId;
        var drain = app.Services.GetRequiredService<DrainState>();
        app.Use((context, next) =>
        {
            // OnStarting: error handlers may clear headers set earlier.
            context.Response.OnStarting(static state =>
            {
                var (response, id) = ((HttpResponse, string))state;
                response.Headers[NodeHeader] = id;
                return Task.CompletedTask;
            }, (context.Response, nodeId));
            // By path: the WebSockets middleware, which recognises upgrades, runs later in the pipeline.
            if (drain.Draining && context.Request.Path.StartsWithSegments("/ws", StringComparison.Ordinal))
            {
                return Api.WriteErrorAsync(context, ApiError.ForStatus(503) with { Code = ErrorCodes.NodeDraining, Details = "This node is draining: connect again (another node will answer)." });
            }
            return next(context);
        });
    }
}

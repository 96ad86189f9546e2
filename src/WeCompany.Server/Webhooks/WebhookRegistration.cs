namespace WeCompany.Server.Webhooks;

/// <summary>Wires webhooks into the host: the outbox the stores write to, the admin service, and this node's delivery worker.</summary>
public static class WebhookRegistration
{
    public static void AddWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration("Webhooks").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WebhookOutbox>();
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<WebhookService>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
    }
}

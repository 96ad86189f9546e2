using Microsoft.AspNetCore.Mvc;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Accounts;
using WeCompany.Server.Http;
using WeCompany.Server.Meetings;

namespace WeCompany.Server.Webhooks;

/// <summary>/api/v1/admin/webhooks: system administrators register and watch the endpoints events are sent to (docs/webhooks.md).</summary>
public static class WebhooksApi
{
    public static RouteGroupBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/admin/webhooks").WithTags("Webhooks").RequireAdministrator();
        group.MapPost("", CreateAsync)
            .WithSummary("Register an endpoint; answers it with its signing secret (shown only here and on rotation)")
            .Produces<ApiResponse<WebhookSecretResult>>(201).ProducesApiErrors(400, 401, 403);
        group.MapGet("", ListAsync)
            .WithSummary("Every registered endpoint (without secrets)")
            .Produces<ApiResponse<WebhookEndpointList>>().ProducesApiErrors(401, 403);
        group.MapGet("/{id}", GetAsync)
            .WithSummary("One endpoint")
            .Produces<ApiResponse<WebhookEndpointView>>().ProducesApiErrors(400, 401, 403, 404);
        group.MapPut("/{id}", UpdateAsync)
            .WithSummary("Change an endpoint's URL, events, enabled flag or description")
            .Produces<ApiResponse<WebhookEndpointView>>().ProducesApiErrors(400, 401, 403, 404);
        group.MapDelete("/{id}", DeleteAsync)
            .WithSummary("Delete an endpoint and its deliveries")
            .Produces<ApiResponse<object>>().ProducesApiErrors(400, 401, 403, 404);
        group.MapPost("/{id}/rotate-secret", RotateAsync)
            .WithSummary("A new signing secret; the old one keeps signing beside it for Webhooks:PreviousSecretGraceSeconds")
            .Produces<ApiResponse<WebhookSecretResult>>().ProducesApiErrors(400, 401, 403, 404);
        group.MapGet("/{id}/deliveries", DeliveriesAsync)
            .WithSummary("The endpoint's recent deliveries, newest first: state, attempts, last status and error, latency")
            .Produces<ApiResponse<WebhookDeliveryList>>().ProducesApiErrors(400, 401, 403, 404);
        return group;
    }

    private static async Task<IResult> CreateAsync(WebhookEndpointRequest request, HttpContext context, WebhookService webhooks, CancellationToken ct) =>
        (await webhooks.CreateAsync(context.User.UserId(), request, ct)).ToHttp(201);

    private static async Task<IResult> ListAsync(WebhookService webhooks, CancellationToken ct) => Api.Ok(await webhooks.ListAsync(ct));

    private static async Task<IResult> GetAsync(string id, WebhookService webhooks, CancellationToken ct) =>
        MeetingRules.TryParseId(id, out var endpointId) ? (await webhooks.GetAsync(endpointId, ct)).ToHttp() : BadId();

    private static async Task<IResult> UpdateAsync(string id, WebhookEndpointRequest request, HttpContext context, WebhookService webhooks, CancellationToken ct) =>
        MeetingRules.TryParseId(id, out var endpointId) ? (await webhooks.UpdateAsync(context.User.UserId(), endpointId, request, ct)).ToHttp() : BadId();

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, WebhookService webhooks, CancellationToken ct) =>
        MeetingRules.TryParseId(id, out var endpointId) ? (await webhooks.DeleteAsync(context.User.UserId(), endpointId, ct)).ToHttp() : BadId();

    private static async Task<IResult> RotateAsync(string id, HttpContext context, WebhookService webhooks, CancellationToken ct)
    {
        if (!MeetingRules.TryParseId(id, out var endpointId))
        {
            return BadId();
        }
        // The body is optional: none (or {}) generates the new secret.
        var request = await context.ReadOptionalJsonAsync<RotateWebhookSecretRequest>(ct);
        return (await webhooks.RotateSecretAsync(context.User.UserId(), endpointId, request, ct)).ToHttp();
    }

    private static async Task<IResult> DeliveriesAsync(string id, WebhookService webhooks, CancellationToken ct, [FromQuery] string? limit = null)
    {
        if (!MeetingRules.TryParseId(id, out var endpointId))
        {
            return BadId();
        }
        int? count = null;
        if (!string.IsNullOrEmpty(limit))
        {
            if (!int.TryParse(limit, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
            {
                return Api.Error(ApiError.Validation("limit must be a whole number"));
            }
            count = parsed;
        }
        return (await webhooks.DeliveriesAsync(endpointId, count, ct)).ToHttp();
    }

    private static IResult BadId() => Api.Error(ApiError.Validation("The webhook id must be a number."));
}

using WeCompany.Protocol.Rest;
using WeCompany.Server.Http;

namespace WeCompany.Server.Accounts;

/// <summary>Endpoint filter for the /api/v1/admin groups: the caller must be a system administrator (checked in the store on every call).</summary>
public static class AdministratorFilter
{
    public static RouteGroupBuilder RequireAdministrator(this RouteGroupBuilder group) =>
        group.RequireAuthorization().AddEndpointFilter(RequireAdministratorAsync);

    private static async ValueTask<object?> RequireAdministratorAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var accounts = http.RequestServices.GetRequiredService<AccountService>();
        var user = await accounts.FindAsync(http.User.UserId(), http.RequestAborted);
        if (user is not { IsAdmin: true })
        {
            return Api.Error(ApiError.Forbidden(ErrorCodes.NotAdministrator, "Only system administrators can do this."));
        }
        return await next(context);
    }
}

using WeCompany.Protocol.Rest;
using WeCompany.Server.Http;

namespace WeCompany.Server.Accounts;

/// <summary>The accounts endpoints of the specification's "用户服务 API" and "Token刷新".</summary>
public static class AccountsApi
{
    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/v1/auth").WithTags("Accounts");
        auth.MapPost("/register", RegisterAsync)
            .WithSummary("Create an account; answers a token pair")
            .Produces<ApiResponse<AuthResult>>().ProducesApiErrors(400, 409);
        auth.MapPost("/login", LoginAsync)
            .WithSummary("Sign in; answers a token pair")
            .Produces<ApiResponse<AuthResult>>().ProducesApiErrors(400, 401, 429);
        auth.MapPost("/refresh", RefreshAsync)
            .WithSummary("Exchange a refresh token for the next token pair (the old one is spent)")
            .Produces<ApiResponse<TokenPair>>().ProducesApiErrors(400, 401);
        auth.MapPost("/logout", LogoutAsync).RequireAuthorization()
            .WithSummary("Revoke the refresh token's family (or every session when none is given)")
            .Produces<ApiResponse<object>>().ProducesApiErrors(401);

        var users = app.MapGroup("/api/v1/users").WithTags("Accounts").RequireAuthorization();
        users.MapGet("/profile", GetProfileAsync)
            .WithSummary("The signed-in user's profile")
            .Produces<ApiResponse<UserProfile>>().ProducesApiErrors(401, 404);
        users.MapPut("/profile", UpdateProfileAsync)
            .WithSummary("Change full_name, email or avatar_url")
            .Produces<ApiResponse<UserProfile>>().ProducesApiErrors(400, 401, 409);
        users.MapPut("/password", ChangePasswordAsync)
            .WithSummary("Change the password; signs out every other session")
            .Produces<ApiResponse<object>>().ProducesApiErrors(400, 401);
        return app;
    }

    private static async Task<IResult> RegisterAsync(RegisterRequest request, AccountService accounts, CancellationToken ct) =>
        (await accounts.RegisterAsync(request, ct)).ToHttp();

    private static async Task<IResult> LoginAsync(LoginRequest request, AccountService accounts, HttpContext context, CancellationToken ct) =>
        (await accounts.LoginAsync(request, context.ClientAddress(), ct)).ToHttp();

    private static async Task<IResult> RefreshAsync(RefreshRequest request, AccountService accounts, CancellationToken ct) =>
        (await accounts.RefreshAsync(request, ct)).ToHttp();

    private static async Task<IResult> LogoutAsync(HttpContext context, AccountService accounts, CancellationToken ct)
    {
        // The body is optional here: an empty one signs out every session.
        var request = context.Request.ContentLength is > 0
            ? await context.Request.ReadFromJsonAsync<RefreshRequest>(Protocol.WireJson.Options, ct) ?? new RefreshRequest(null)
            : new RefreshRequest(null);
        return (await accounts.LogoutAsync(context.User.UserId(), request, ct)).ToHttp();
    }

    private static async Task<IResult> GetProfileAsync(HttpContext context, AccountService accounts, CancellationToken ct) =>
        (await accounts.GetProfileAsync(context.User.UserId(), ct)).ToHttp();

    private static async Task<IResult> UpdateProfileAsync(UpdateProfileRequest request, HttpContext context, AccountService accounts, CancellationToken ct) =>
        (await accounts.UpdateProfileAsync(context.User.UserId(), request, ct)).ToHttp();

    private static async Task<IResult> ChangePasswordAsync(ChangePasswordRequest request, HttpContext context, AccountService accounts, CancellationToken ct) =>
        (await accounts.ChangePasswordAsync(context.User.UserId(), request, ct)).ToHttp();
}

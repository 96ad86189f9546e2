namespace WeCompany.Server.Cluster;

/// <summary>
/// Whether this node is draining (SIGTERM received): /readyz answers 503, new sockets and TCP connections are
/// refused. Registered in every mode; only the cluster's drain sets it.
/// </summary>
public sealed class DrainState
{
    private volatile bool _draining;

    public bool Draining => _draining;

    internal void Begin() => _draining = true;
}

using System.Threading.Channels;
using Microsoft.Extensions.Options;
using WeCompany.Server.Diagnostics;

namespace WeCompany.Server.Speech;

/// <summary>
/// Runs recognitions on worker threads of their own (Speech:Workers), fed by a bounded queue
/// (Speech:QueueCapacity): decoding is seconds of CPU, which must not sit on the request threads, and a full
/// queue is refused at once rather than letting waits grow.
/// </summary>
public sealed class SpeechQueue : IHostedService, IDisposable
{
    private readonly Channel<Job> _jobs;
    private readonly int _workers;
    private readonly List<Thread> _threads = [];
    private readonly CancellationTokenSource _stopping = new();

    public SpeechQueue(IOptions<SpeechOptions> options, MetricsRegistry metrics)
    {
        _workers = options.Value.Workers;
        _jobs = Channel.CreateBounded<Job>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
        metrics.Gauge("speech_queue_waiting", "Recognitions waiting for a speech worker.", () => Waiting);
    }

    /// <summary>Jobs waiting for a worker (not counting those being worked on).</summary>
    public int Waiting => _jobs.Reader.Count;

    /// <summary>Queues <paramref name="work"/>; null when the queue is full. The task completes with its result.</summary>
    public Task<T>? TryEnqueue<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var job = new Job(async () =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                completion.TrySetCanceled(cancellationToken);
                return;
            }
            try
            {
                completion.TrySetResult(await work(cancellationToken));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                completion.TrySetCanceled(cancellationToken);
            }
            catch (Exception e)
            {
                completion.TrySetException(e);
            }
        });
        return _jobs.Writer.TryWrite(job) ? completion.Task : null;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < _workers; i++)
        {
            var thread = new Thread(Work) { IsBackground = true, Name = $"speech-{i}" };
            thread.Start();
            _threads.Add(thread);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _jobs.Writer.TryComplete();
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    public void Dispose() => _stopping.Dispose();

    // A dedicated thread blocks on the queue and on each job: the job's CPU stays here, not on the thread pool.
    private void Work()
    {
        var stopping = _stopping.Token;
        try
        {
            while (_jobs.Reader.WaitToReadAsync(stopping).AsTask().GetAwaiter().GetResult())
            {
                while (_jobs.Reader.TryRead(out var job))
                {
                    job.Run().GetAwaiter().GetResult();
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // Shutting down.
        }
    }

    private sealed record Job(Func<Task> Run);
}

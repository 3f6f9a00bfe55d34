namespace SipDialogs.Tests.Runtime;

/// <summary>Starts the same call on many dedicated threads at once, released together by a barrier.</summary>
internal static class ConcurrentRuntimeCalls
{
    public static Task[] StartOnThreads(int count, Func<Task> call)
    {
        var tasks = new Task[count];
        using var start = new Barrier(count);
        var threads = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            int index = i;
            threads[i] = new Thread(() =>
            {
                start.SignalAndWait();
                tasks[index] = call();
            });
            threads[i].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        return tasks;
    }
}

namespace SipDialogs.Runtime;

/// <summary>
/// A hashed timing wheel: the timers of one shard, kept in slots by due tick, fired in order by one periodic
/// <see cref="ITimer"/> from the shard's <see cref="TimeProvider"/>. Scheduling and cancelling are O(1) and allocate
/// nothing once the entry table has grown to the shard's working set; no <see cref="System.Threading.Timer"/> is made
/// per transaction.
/// </summary>
/// <remarks>
/// Not thread-safe: every member but <see cref="Count"/> runs on the owning shard's thread. The driver timer only asks
/// the shard to call <see cref="AdvanceToNow"/>; it stops while the wheel is empty so an idle shard does not wake.
/// When time jumps by many ticks at once (a stalled process, or a test advancing a fake clock), the wheel walks the
/// ticks in order and a timer scheduled while firing counts its delay from the tick being fired, not from the clock,
/// so a chain of timers (Timer A doubling) keeps its RFC spacing.
/// </remarks>
internal sealed class TimingWheel : IDisposable
{
    private const int FreeSlot = -1;
    private const int DetachedSlot = -2;

    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly long _tickLength;
    private readonly TimeSpan _tick;
    private readonly int _mask;
    private readonly int[] _heads;
    private readonly Action<Exception> _onFault;
    private readonly ITimer? _driver;
    private Entry[] _entries;
    private int _used;
    private int _freeHead = -1;
    private int _count;
    private long _currentTick;
    private bool _firing;
    private bool _running;
    private int[] _due = new int[64];
    private int _disposed;

    /// <summary>Creates a wheel.</summary>
    /// <param name="time">The clock, and the source of the driver timer.</param>
    /// <param name="tick">The resolution; timers fire on tick boundaries, never early.</param>
    /// <param name="slots">The number of slots, rounded up to a power of two.</param>
    /// <param name="onFault">Called with the exception when a timer's target throws; the wheel carries on.</param>
    /// <param name="tickRequested">Called from the driver timer's thread when the wheel should be advanced; null for a
    /// wheel advanced only by hand.</param>
    /// <param name="tickState">The argument of <paramref name="tickRequested"/>.</param>
    public TimingWheel(TimeProvider time, TimeSpan tick, int slots, Action<Exception> onFault, TimerCallback? tickRequested = null, object? tickState = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(onFault);
        ArgumentOutOfRangeException.ThrowIfLessThan(tick, TimeSpan.FromTicks(1));
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slots, 1 << 24);
        _time = time;
        _origin = time.GetTimestamp();
        _tick = tick;
        _tickLength = tick.Ticks;
        int size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)slots);
        _mask = size - 1;
        _heads = new int[size];
        Array.Fill(_heads, -1);
        _entries = new Entry[64];
        _onFault = onFault;
        if (tickRequested is not null)
        {
            _driver = time.CreateTimer(tickRequested, tickState, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The number of timers scheduled and not yet fired or cancelled; readable from any thread.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The wheel's resolution.</summary>
    public TimeSpan Tick => _tick;

    /// <summary>
    /// The wheel's time since it was made: while timers fire, the tick being fired; otherwise the clock's time.
    /// Delays of timers scheduled now count from it.
    /// </summary>
    public TimeSpan Now => TimeSpan.FromTicks(_firing ? _currentTick * _tickLength : Math.Max(ElapsedTicks(), _currentTick * _tickLength));

    /// <summary>True while the driver timer runs (the wheel has had timers since it last found itself empty).</summary>
    internal bool IsDriverRunning => _running;

    /// <summary>Schedules a timer to fire after <paramref name="delay"/>, rounded up to a whole tick (at least one).</summary>
    /// <param name="delay">How long from <see cref="Now"/>.</param>
    /// <param name="target">What to call.</param>
    /// <param name="timer">The number passed to <see cref="ITimerTarget.OnTimer"/>.</param>
    /// <returns>The handle that cancels it.</returns>
    public TimerHandle Schedule(TimeSpan delay, ITimerTarget target, int timer)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (delay < TimeSpan.Zero || delay == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(delay), delay, "A timer's delay must be finite and not negative.");
        }

        long baseTime;
        if (_firing)
        {
            baseTime = _currentTick * _tickLength;
        }
        else
        {
            long elapsed = ElapsedTicks();
            if (_count == 0 && !_running)
            {
                // Nothing is due, so the slots between the last tick walked and now need no walking.
                _currentTick = Math.Max(_currentTick, elapsed / _tickLength);
            }

            baseTime = Math.Max(elapsed, _currentTick * _tickLength);
        }

        long due = (baseTime + delay.Ticks + _tickLength - 1) / _tickLength;
        if (due <= _currentTick)
        {
            due = _currentTick + 1;
        }

        int index = Allocate();
        ref Entry entry = ref _entries[index];
        entry.Due = due;
        entry.Target = target;
        entry.Timer = timer;
        Link(index, (int)(due & _mask));
        _count++;
        if (!_running && _driver is not null)
        {
            // Tick on the wheel's tick boundaries, so a timer fires on the tick it is due rather than up to a tick late.
            _running = true;
            long intoTick = ElapsedTicks() % _tickLength;
            _driver.Change(TimeSpan.FromTicks(_tickLength - intoTick), _tick);
        }

        return new TimerHandle(index + 1, entry.Generation);
    }

    /// <summary>Cancels a timer; harmless when it has fired, was cancelled, or is the default handle.</summary>
    /// <param name="handle">The timer.</param>
    /// <returns>True when a scheduled timer was cancelled.</returns>
    public bool Cancel(TimerHandle handle)
    {
        int index = handle.Entry - 1;
        if ((uint)index >= (uint)_used)
        {
            return false;
        }

        ref Entry entry = ref _entries[index];
        if (entry.Generation != handle.Generation || entry.Slot == FreeSlot)
        {
            return false;
        }

        if (entry.Slot >= 0)
        {
            Unlink(index);
        }

        Release(index);
        _count--;
        return true;
    }

    /// <summary>Cancels the timer in <paramref name="handle"/> and clears the handle.</summary>
    /// <param name="handle">The timer; default afterwards.</param>
    /// <returns>True when a scheduled timer was cancelled.</returns>
    public bool Cancel(ref TimerHandle handle)
    {
        bool cancelled = Cancel(handle);
        handle = default;
        return cancelled;
    }

    /// <summary>Fires, in order, every timer due by the clock's current time.</summary>
    /// <returns>The number of timers fired.</returns>
    public int AdvanceToNow() => AdvanceTo(ElapsedTicks() / _tickLength);

    /// <summary>
    /// Stops the driver timer and drops every timer still scheduled (none of them will fire, so none is counted).
    /// The wheel must not be used afterwards; its shard calls this once its loop has ended.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _driver?.Dispose();
            Array.Fill(_heads, -1);
            Array.Clear(_entries);
            _used = 0;
            _freeHead = -1;
            Volatile.Write(ref _count, 0);
        }
    }

    /// <summary>Fires every timer due up to and including tick <paramref name="target"/>.</summary>
    internal int AdvanceTo(long target)
    {
        if (_firing)
        {
            return 0; // A timer's target advanced the wheel; the outer walk carries on.
        }

        int fired = 0;
        _firing = true;
        try
        {
            while (_currentTick < target)
            {
                if (_count == 0)
                {
                    _currentTick = target;
                    break;
                }

                long tick = ++_currentTick;
                fired += FireSlot(tick);
            }
        }
        finally
        {
            _firing = false;
        }

        if (_count == 0 && _running)
        {
            _running = false;
            _driver?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        return fired;
    }

    private int FireSlot(long tick)
    {
        // Detach the due entries first, so that targets may schedule and cancel freely while they run; an entry
        // cancelled after it was detached is skipped by its changed generation.
        int slot = (int)(tick & _mask);
        int dueCount = 0;
        for (int index = _heads[slot]; index >= 0;)
        {
            ref Entry entry = ref _entries[index];
            int next = entry.Next;
            if (entry.Due <= tick)
            {
                Unlink(index);
                entry.Slot = DetachedSlot;
                if (dueCount + 2 > _due.Length)
                {
                    Array.Resize(ref _due, _due.Length * 2);
                }

                _due[dueCount++] = index;
                _due[dueCount++] = entry.Generation;
            }

            index = next;
        }

        int fired = 0;
        for (int i = 0; i < dueCount; i += 2)
        {
            int index = _due[i];
            ref Entry entry = ref _entries[index];
            if (entry.Generation != _due[i + 1] || entry.Slot != DetachedSlot)
            {
                continue;
            }

            ITimerTarget target = entry.Target!;
            int timer = entry.Timer;
            Release(index);
            _count--;
            fired++;
            try
            {
                target.OnTimer(timer);
            }
            catch (Exception ex)
            {
                // A faulty timer target must not stop the shard's other timers; the fault is reported.
                _onFault(ex);
            }
        }

        return fired;
    }

    private long ElapsedTicks() => _time.GetElapsedTime(_origin).Ticks;

    private int Allocate()
    {
        int index = _freeHead;
        if (index >= 0)
        {
            _freeHead = _entries[index].Next;
            return index;
        }

        if (_used == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        return _used++;
    }

    private void Release(int index)
    {
        ref Entry entry = ref _entries[index];
        entry.Generation++;
        entry.Target = null;
        entry.Slot = FreeSlot;
        entry.Prev = -1;
        entry.Next = _freeHead;
        _freeHead = index;
    }

    private void Link(int index, int slot)
    {
        ref Entry entry = ref _entries[index];
        int head = _heads[slot];
        entry.Slot = slot;
        entry.Prev = -1;
        entry.Next = head;
        if (head >= 0)
        {
            _entries[head].Prev = index;
        }

        _heads[slot] = index;
    }

    private void Unlink(int index)
    {
        ref Entry entry = ref _entries[index];
        if (entry.Prev >= 0)
        {
            _entries[entry.Prev].Next = entry.Next;
        }
        else
        {
            _heads[entry.Slot] = entry.Next;
        }

        if (entry.Next >= 0)
        {
            _entries[entry.Next].Prev = entry.Prev;
        }

        entry.Prev = -1;
        entry.Next = -1;
    }

    private struct Entry
    {
        public long Due;
        public ITimerTarget? Target;
        public int Timer;
        public int Generation;
        public int Next;
        public int Prev;
        public int Slot;
    }
}

using System.Runtime.CompilerServices;

namespace OdigosDemo;

/// <summary>
/// The .NET demo's known hot path: each order spends about two thirds of its CPU time in
/// <see cref="ComputeTax"/> → <see cref="HashLoop"/> and one third in <see cref="ComputeShipping"/> → <see cref="RouteLoop"/>.
/// With discounts on, <see cref="ApplyDiscount"/> → <see cref="DiscountLoop"/> is JIT-compiled only then, so a profiler
/// that already read the perf map must read it again to name it.
/// </summary>
public static class Checkout
{
    private const int TaxRounds = 2_000_000;
    private const int ShippingRounds = 1_000_000;
    private const int DiscountRounds = 1_000_000;

    private static ulong _sink;
    private static long _computed;

    public static ulong Sink => Volatile.Read(ref _sink);

    /// <summary>Taxes, shipping costs and discounts computed so far.</summary>
    public static long Computed => Interlocked.Read(ref _computed);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ProcessOrder(int order, bool discounts)
    {
        var total = ComputeTax(order) + ComputeShipping(order);
        if (discounts)
        {
            total += ApplyDiscount(order);
        }

        _sink += total;
    }

    // The try/finally (counting what was computed) also makes the JIT give these small methods a frame-pointer
    // frame; without one, a frame-pointer unwinder (perf, this profiler) would skip their caller.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong ComputeTax(int order)
    {
        try
        {
            return HashLoop((ulong)order, TaxRounds);
        }
        finally
        {
            Interlocked.Increment(ref _computed);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong ComputeShipping(int order)
    {
        try
        {
            return RouteLoop((ulong)order, ShippingRounds);
        }
        finally
        {
            Interlocked.Increment(ref _computed);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong ApplyDiscount(int order)
    {
        try
        {
            return DiscountLoop((ulong)order, DiscountRounds);
        }
        finally
        {
            Interlocked.Increment(ref _computed);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong HashLoop(ulong seed, int rounds)
    {
        var hash = 14695981039346656037UL ^ seed;
        for (var i = 0; i < rounds; i++)
        {
            hash ^= (ulong)i;
            hash *= 1099511628211UL;
        }

        return hash;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong RouteLoop(ulong seed, int rounds)
    {
        var x = seed | 1;
        for (var i = 0; i < rounds; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }

        return x;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong DiscountLoop(ulong seed, int rounds)
    {
        var x = seed;
        for (var i = 0; i < rounds; i++)
        {
            x = x * 6364136223846793005UL + 1442695040888963407UL;
        }

        return x;
    }
}

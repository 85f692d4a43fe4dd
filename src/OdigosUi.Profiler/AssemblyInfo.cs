namespace OdigosUi.Profiler;

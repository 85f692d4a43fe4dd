namespace OdigosUi.Resources;

// Applies the colour scheme chosen on the "Paramètres d'affichage" panel before the page is painted (no flash
// of the wrong theme). A classic script in <head>, served from the portal itself: the CSP allows no inline script.
(function () {
	var s = "system";
	try {
		s = localStorage.getItem("scheme") || "system";
	} catch (e) {}
	var dark = s === "dark" || (s === "system" && window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches);
	document.documentElement.setAttribute("data-fr-theme", dark ? "dark" : "light");
	// Scripts run: campus.css keeps the controls the DSFR's script opens (header menu and search, breadcrumb),
	// from the first paint, rather than once that script has loaded (no shift of the page).
	document.documentElement.setAttribute("data-campus-js", "");
})();

"""The sidebar: window and views (`window`, `header`, `cards`, `answer`, `draft`, `banners`) and
the controller that drives them (`controller`)."""

"""The page's pure content: markup, layouts, colours, numbers, the figures, the playground, links, the console."""


-- r2p built-in engine (analysis/render/convert.py): per-format blocks, callouts, image paths for Typst.
local kinds = { note = "Note", tip = "Tip", important = "Important", warning = "Warning", caution = "Caution" }
local docdir = nil

local function title_inlines(s)
  local d = pandoc.read(s, "markdown")
  if #d.blocks > 0 and (d.blocks[1].t == "Para" or d.blocks[1].t == "Plain") then
    return d.blocks[1].content
  end
  return pandoc.Inlines({})
end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

local function callout(el, kind)
  local body = el.content:clone()
  local title = nil
  if el.attributes["title"] then
    title = title_inlines(el.attributes["title"])
  elseif #body > 0 and body[1].t == "Header" then
    title = body[1].content
    body:remove(1)
  end
  if title == nil then title = pandoc.Inlines({ pandoc.Str(kinds[kind]) }) end
  if FORMAT:match("typst") then
    -- citeproc has already formatted citations (pass 1); write their text, not Typst `@key`
    local resolved = { Cite = function(c) return c.content end }
    title = pandoc.Inlines(title):walk(resolved)
    body = body:walk(resolved)
    local t = trim(pandoc.write(pandoc.Pandoc({ pandoc.Plain(title) }), "typst"))
    local b = pandoc.write(pandoc.Pandoc(body), "typst")
    return pandoc.RawBlock("typst",
      '#policybrief-callout(kind: "' .. kind .. '", title: [' .. t .. '])[\n' .. b .. '\n]')
  end
  local header = pandoc.Div({ pandoc.Div({ pandoc.Plain(title) }, pandoc.Attr("", { "callout-title-container" })) },
    pandoc.Attr("", { "callout-header" }))
  local content = pandoc.Div(body, pandoc.Attr("", { "callout-body-container", "callout-body" }))
  return pandoc.Div({ header, content },
    pandoc.Attr(el.identifier, { "callout", "callout-style-default", "callout-" .. kind, "callout-titled" }))
end

return {
  { Meta = function(m) if m["r2p-docdir"] then docdir = pandoc.utils.stringify(m["r2p-docdir"]) end end },
  {
    Image = function(img)
      if FORMAT:match("typst") and docdir and not img.src:match("^/") and not img.src:match("^%a[%w+.-]*:") then
        img.src = docdir .. "/" .. img.src
      end
      return img
    end,
  },
  {
    Div = function(el)
      for _, c in ipairs(el.classes) do
        local only = c:match("^r2p%-only%-(%a+)$")
        if only then
          local mine = (only == "html" and FORMAT:match("html")) or (only == "pdf" and FORMAT:match("typst"))
          if mine then return el.content else return {} end
        end
      end
      for _, c in ipairs(el.classes) do
        local kind = c:match("^callout%-(%a+)$")
        if kind and kinds[kind] then return callout(el, kind) end
      end
    end,
  },
}
